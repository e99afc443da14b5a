# timeseries.gp - template of `mnetsim report`: the time series of one run
# (its timeseries.csv): counts of users and flows on the left axis, the
# throughput in Mbit/s on the right one, against simulated time in hours.
# Fields as in lines.gp; DATA is the CSV's path (quoted), PLOTS one
# "using" per column of it.
set terminal pngcairo noenhanced size 1100,650 font "sans,12"
set output @PNG@
set datafile separator ","
set datafile columnheaders
set title @TITLE@ font "sans,14"
set xlabel @XLABEL@
set ylabel @YLABEL@
set y2label "throughput (Mbit/s)"
set key below box spacing 1.2 maxrows 2
set grid lc rgb "#dddddd"
set tics nomirror
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set format y "%.3g"
set format y2 "%.3g"
set style data lines
set style line 1 lc rgb "#1b9e77" lw 2
set style line 2 lc rgb "#d95f02" lw 2
set style line 3 lc rgb "#7570b3" lw 2
set style line 4 lc rgb "#e7298a" lw 2
set style line 5 lc rgb "#66a61e" lw 2
set style line 6 lc rgb "#000000" lw 2 dt 2
plot @PLOTS@
set terminal svg noenhanced size 1100,650 font "sans,12" dynamic background rgb "white"
set output @SVG@
replot
