# bars.gp - template of `mnetsim report`: a bar chart comparing the policy
# combinations (one bar colour each) at every value of the sweep's first
# numeric parameter (the clusters), bar = mean, error bar = 95% Student-t
# confidence interval. Fields as in lines.gp; PLOTS lists one
# "using mean:ci" column pair per combination of the '...dat' table.
set terminal pngcairo noenhanced size 1100,650 font "sans,12"
set output @PNG@
set title @TITLE@ font "sans,14"
set xlabel @XLABEL@
set ylabel @YLABEL@
set key outside right top box title @KEYTITLE@ spacing 1.2
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
set xtics scale 0
set yrange [0:*]
set format y "%.3g"
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9
set linetype 1 lc rgb "#1b9e77"
set linetype 2 lc rgb "#d95f02"
set linetype 3 lc rgb "#7570b3"
set linetype 4 lc rgb "#e7298a"
set linetype 5 lc rgb "#66a61e"
set linetype 6 lc rgb "#e6ab02"
set linetype 7 lc rgb "#a6761d"
set linetype 8 lc rgb "#666666"
plot @PLOTS@
set terminal svg noenhanced size 1100,650 font "sans,12" dynamic background rgb "white"
set output @SVG@
replot
