#!/bin/sh
# test_export.sh - `mnetsim export mininet|xen` as pure file generators (no root):
# errors (one line, exit 2), the Mininet module (Python syntax and structure with
# python3's ast; then, where Debian's mininet package is installed, the Topo built
# without starting a network: hosts, switches, links and bw= against the scenario's
# counts), and the Xen files (xl syntax, memory and vcpus of named instances, one
# file per instance, vif bridges against network-plan.json, unique MACs, JSON).
# Exit 77 (SKIPPED, with the reason) when only the Mininet import could not run.
set -u
: "${MNETSIM:?set MNETSIM to the mnetsim binary}"
: "${SRC:?set SRC to the source tree}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIPPED: python3 not found: the exported files cannot be checked"
    exit 77
fi

expect() { # expect CODE PATTERN -- ARGS...: exit status, a pattern, a one-line stderr
    want=$1 pattern=$2
    shift 3
    "$MNETSIM" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    cat "$tmp/err" >>"$tmp/out"
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: mnetsim $*: exit $got, want $want"; cat "$tmp/out"; fail=1
    elif ! grep -q -- "$pattern" "$tmp/out"; then
        echo "FAIL: mnetsim $*: output lacks \"$pattern\""; cat "$tmp/out"; fail=1
    elif [ "$want" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        echo "FAIL: mnetsim $*: error is not one line"; cat "$tmp/err"; fail=1
    else
        echo "ok: mnetsim $*"
    fi
}

OH=$SRC/scenarios/office-home.xml
ST=$SRC/scenarios/stacks.xml

# ---- bad input ----
printf '<scenario name="x"><topology>\n' >"$tmp/broken.xml"
sed 's/"home-box"/"boîte"/g' "$OH" >"$tmp/nonascii.xml" # an NCName, but not [A-Za-z0-9_.:-]+
expect 0 "usage: mnetsim export mininet" -- help export
expect 2 "name a format" -- export
expect 2 "unknown format \"ns3\"" -- export ns3 "$OH"
expect 2 "exactly one scenario" -- export mininet
expect 2 "unknown or incomplete option" -- export mininet "$OH" --frob
expect 2 "a scenario file and an output directory" -- export xen "$OH"
expect 2 "cannot read the scenario" -- export mininet "$tmp/missing.xml" -o "$tmp/m.py"
expect 2 "broken.xml:[0-9]*: " -- export mininet "$tmp/broken.xml" -o "$tmp/m.py"
expect 2 "broken.xml:[0-9]*: " -- export xen "$tmp/broken.xml" "$tmp/xb"
expect 2 "has no <world>" -- export mininet "$SRC/scenarios/tree-flows.xml" -o "$tmp/m.py"
expect 2 "has no <world>" -- export xen "$SRC/scenarios/tree-flows.xml" "$tmp/xw"
expect 2 "nonascii.xml:[0-9]*: box .*must match \[A-Za-z0-9_.:-\]+" -- export mininet "$tmp/nonascii.xml" -o "$tmp/m.py"
expect 2 "nonascii.xml:[0-9]*: box .*must match" -- export xen "$tmp/nonascii.xml" "$tmp/xn"
for f in m.py xb xw xn; do
    [ -e "$tmp/$f" ] && { echo "FAIL: a refused export left $f behind"; fail=1; }
done

# ---- Mininet ----
# The scenarios' counts, by hand:
#   office-home: switches 3 nodes + 2 box bridges + 2 radios = 7; hosts 3 vAPs + 1 VM +
#   2 users = 6; links 2 topology + 2 uplinks + 2 radio-bridge + 4 instances + 2 users = 12,
#   of which the first 6 have bw=.
#   stacks: switches 5 + 4 + 1 = 10; hosts 3 vAPs + 8 VMs + 3 user groups (its three
#   populations, each all on one vAP of box ap) = 14; links 4 + 4 + 1 + 11 + 3 = 23, 9 with bw=.
expect 0 "office-home: 6 hosts, 7 switches, 12 links (6 with bw=)" -- export mininet "$OH" -o "$tmp/mn/oh.py"
expect 0 "stacks: 14 hosts, 10 switches, 23 links (9 with bw=)" -- export mininet "$ST" --out "$tmp/mn/st.py"
mkdir -p "$tmp/cwd" && (cd "$tmp/cwd" && "$MNETSIM" export mininet "$OH" >/dev/null) &&
    [ -s "$tmp/cwd/results/office-home/mnet_topo.py" ] ||
    { echo "FAIL: default output results/office-home/mnet_topo.py"; fail=1; }
ls -a "$tmp/mn" | grep -q '^\.oh\.py\.' && { echo "FAIL: a temporary file was left"; fail=1; }

cat >"$tmp/ast_check.py" <<'EOF'
import ast, re, sys
src = open(sys.argv[1]).read()
tree = ast.parse(src, sys.argv[1])
cls = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "MnetTopo"]
assert cls, "no class MnetTopo"
assert any(isinstance(b, ast.Name) and b.id == "Topo" for b in cls[0].bases), "not a Topo"
build = [n for n in cls[0].body if isinstance(n, ast.FunctionDef) and n.name == "build"]
assert build, "no build method"
topos = [n for n in tree.body if isinstance(n, ast.Assign)
         and any(isinstance(t, ast.Name) and t.id == "topos" for t in n.targets)]
assert topos and isinstance(topos[0].value, ast.Dict), "no topos dict"
assert [k.value for k in topos[0].value.keys] == ["mnet"], "topos lacks 'mnet'"
calls = {}
for n in ast.walk(build[0]):
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        calls.setdefault(n.func.attr, []).append(n)
hosts = [c.args[0].value for c in calls.get("addHost", [])]
switches = [c.args[0].value for c in calls.get("addSwitch", [])]
links = calls.get("addLink", [])
bw = [c for c in links if any(k.arg == "bw" for k in c.keywords)]
assert hosts == ["h%d" % i for i in range(1, len(hosts) + 1)], "hosts not h1..hN"
assert switches == ["s%d" % i for i in range(1, len(switches) + 1)], "switches not s1..sN"
# every node has its comment naming the scenario id
for name in hosts + switches:
    assert re.search(r"^\s*# %s: \S" % name, src, re.M), "no comment for " + name
print(len(hosts), len(switches), len(links), len(bw))
EOF
check_ast() { # FILE "hosts switches links bw"
    got=$(python3 "$tmp/ast_check.py" "$1" 2>&1)
    if [ "$got" = "$2" ]; then echo "ok: ast of $(basename "$1"): $got"
    else echo "FAIL: ast of $1: got \"$got\", want \"$2\""; fail=1; fi
}
check_ast "$tmp/mn/oh.py" "6 7 12 6"
check_ast "$tmp/mn/st.py" "14 10 23 9"
grep -q "# h3: vap home-upmc-vap of operator upmc on box home-box" "$tmp/mn/oh.py" ||
    { echo "FAIL: the comment mapping h3 to its vAP"; fail=1; }
grep -q "self.addLink(s5, s3, cls=TCLink, bw=50, delay='5ms')" "$tmp/mn/oh.py" ||
    { echo "FAIL: home-box's uplink (50 Mbit/s, 5 ms) as a TCLink"; fail=1; }

# Mininet itself: the Topo built, no network started. Debian's mininet package
# installs for the system python (/usr/lib/python3/dist-packages): try /usr/bin/python3 too.
mnpy=""
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import mininet.topo' 2>/dev/null; then
        mnpy=$py
        break
    fi
done
cat >"$tmp/mn_check.py" <<'EOF'
import sys
from mininet.topo import Topo
g = {"__name__": "mnet_topo"}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), g)
t = g["topos"]["mnet"]()
assert isinstance(t, Topo)
links = t.links(withInfo=True)
bw = [info for _, _, info in links if "bw" in info]
assert all(info["cls"].__name__ == "TCLink" for info in bw), "bw on a link that is not a TCLink"
print(len(t.hosts()), len(t.switches()), len(links), len(bw))
EOF
skip=""
if [ -n "$mnpy" ]; then
    for pair in "oh.py:6 7 12 6" "st.py:14 10 23 9"; do
        f=${pair%%:*} want=${pair#*:}
        got=$("$mnpy" "$tmp/mn_check.py" "$tmp/mn/$f" 2>&1)
        if [ "$got" = "$want" ]; then echo "ok: Mininet Topo of $f: $got"
        else echo "FAIL: Mininet Topo of $f: got \"$got\", want \"$want\""; fail=1; fi
    done
else
    skip="Mininet is not installed (Debian package mininet): the generated topologies were checked with python3's ast only, not built by Mininet"
fi

# ---- Xen ----
expect 0 "office-home: 4 domains on 2 bridges, 1 tunnels" -- export xen "$OH" "$tmp/xen-oh"
expect 0 "stacks: 11 domains on 4 bridges, 0 tunnels" -- export xen "$ST" "$tmp/xen-st"

cat >"$tmp/xl_check.py" <<'EOF'
# xl_check.py DIR NINST [id=memory/vcpus ...]: every .cfg is xl syntax (key = value, value a
# "string", an integer or a [ list ] of strings), names and sizes match, one file per
# instance of network-plan.json, vif bridges match the plan, MACs unique and local.
import json, os, re, sys
d, ninst, want = sys.argv[1], int(sys.argv[2]), dict(a.split("=") for a in sys.argv[3:])
plan = json.load(open(os.path.join(d, "network-plan.json")))
STR = r'"[^"\\\n]*"|\'[^\'\\\n]*\''
VAL = re.compile(r"^(?:%s|\d+|\[\s*(?:(?:%s)\s*(?:,\s*(?:%s)\s*)*)?\])$" % (STR, STR, STR))
inst = {i["id"]: (b, i) for b in plan["boxes"] for i in b["instances"]}
cfgs = sorted(f for f in os.listdir(d) if f.endswith(".cfg"))
assert len(cfgs) == ninst == len(inst), "%d .cfg, %d in the plan, want %d" % (len(cfgs), len(inst), ninst)
macs = set()
for f in cfgs:
    kv = {}
    for n, line in enumerate(open(os.path.join(d, f)), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-z_][a-z0-9_]*)\s*=\s*(.*)$", line)
        assert m and VAL.match(m.group(2)), "%s:%d: not xl syntax: %s" % (f, n, line)
        assert m.group(1) not in kv, "%s:%d: %s twice" % (f, n, m.group(1))
        kv[m.group(1)] = m.group(2)
    iid = f[:-4]
    box, pi = inst[iid]
    assert kv["name"] == '"mn-%s"' % iid, f + ": name"
    assert kv["type"] == '"pvh"' and kv["kernel"] == '"/var/lib/mnetsim/vmlinuz"', f + ": type/kernel"
    mem, vcpus = int(kv["memory"]), int(kv["vcpus"])
    assert mem >= 32 and vcpus >= 1 and (mem, vcpus) == (pi["memory_mib"], pi["vcpus"]), f + ": sizes"
    if iid in want:
        assert "%d/%d" % (mem, vcpus) == want.pop(iid), "%s: memory/vcpus %d/%d" % (f, mem, vcpus)
    vif = re.match(r"^\[ 'bridge=([a-z0-9]+),mac=([0-9a-f:]{17})' \]$", kv["vif"])
    assert vif, f + ": vif"
    assert vif.group(1) == box["bridge"], "%s: bridge %s, plan %s" % (f, vif.group(1), box["bridge"])
    mac = vif.group(2)
    assert int(mac[:2], 16) & 3 == 2, f + ": MAC not locally administered unicast"
    assert mac not in macs, f + ": MAC used twice"
    macs.add(mac)
assert not want, "instances not found: %s" % want
assert len({b["bridge"] for b in plan["boxes"]}) == len(plan["boxes"]), "bridge names not unique"
print("ok")
EOF
check_xen() { # DIR NINST [id=memory/vcpus ...]
    d=$1
    got=$(python3 "$tmp/xl_check.py" "$@" 2>&1)
    if [ "$got" = "ok" ]; then echo "ok: xl files in $(basename "$d")"
    else echo "FAIL: xl files in $d: $got"; fail=1; fi
    python3 -m json.tool "$d/network-plan.json" >/dev/null ||
        { echo "FAIL: $d/network-plan.json does not parse"; fail=1; }
    [ -s "$d/README.txt" ] && grep -q "xl create" "$d/README.txt" ||
        { echo "FAIL: $d/README.txt lacks xl create"; fail=1; }
    ls -A "$d" | grep -q '^\.' && { echo "FAIL: temporary files in $d"; fail=1; }
}
# office-home: upmc-vap 200 MHz, no memory given (64 MiB, the loader's default) -> 64/1;
# pbx 500 MHz, 256 MiB -> 256/1. stacks: pbx 1 GHz, 512 MiB -> 512/1 (exactly 1 GHz: one
# vCPU); r4-pop 500 MHz, 256 MiB -> 256/1; vap4 100 MHz, 64 MiB -> 64/1.
check_xen "$tmp/xen-oh" 4 upmc-vap=64/1 pbx=256/1 home-isp-vap=64/1
check_xen "$tmp/xen-st" 11 pbx=512/1 r4-pop=256/1 vap4=64/1 lsr-tv=256/1
# the tunnel: VNI 1000 between the two sites' gateways, on both boxes
python3 - "$tmp/xen-oh/network-plan.json" <<'EOF' || { echo "FAIL: office-home tunnel in the plan"; fail=1; }
import json, sys
p = json.load(open(sys.argv[1]))
t = p["tunnels"]
assert len(t) == 1 and t[0]["vni"] == 1000, t
assert {t[0]["a_gateway"], t[0]["b_gateway"]} == {"home-isp", "upmc-gw"}, t
b = {x["id"]: x for x in p["boxes"]}
assert b["home-box"]["tunnels"][0]["remote_gateway"] == "upmc-gw"
assert b["upmc-ap"]["tunnels"][0]["local_gateway"] == "upmc-gw"
assert b["home-box"]["uplink"]["bps"] == 50e6
EOF
# vCPUs from a reservation above 1 GHz, a movable instance on its first candidate box
sed 's|<vm id="pbx" kind="pbx" cpu="500MHz" memory="256MiB"/>|<vm id="pbx" kind="pbx" cpu="1.2GHz" memory="100MiB"/>|' "$OH" |
    sed 's|<mobility id="commute" kind="commute"/>|<vm id="fw" kind="firewall" operator="upmc" boxes="home-box upmc-ap" cpu="100MHz" memory="16MiB"/>\n    <mobility id="commute" kind="commute"/>|' \
        >"$tmp/sized.xml"
expect 0 "5 domains" -- export xen "$tmp/sized.xml" "$tmp/xen-sz"
check_xen "$tmp/xen-sz" 5 pbx=100/2 fw=32/1
grep -q "movable: put on its first candidate box" "$tmp/xen-sz/fw.cfg" &&
    grep -q "bridge=mnbr1," "$tmp/xen-sz/fw.cfg" ||
    { echo "FAIL: the movable fw is not on its first candidate (home-box, mnbr1)"; fail=1; }

if [ "$fail" -ne 0 ]; then exit 1; fi
if [ -n "$skip" ]; then echo "SKIPPED: $skip"; exit 77; fi
exit 0
