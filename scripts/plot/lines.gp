# lines.gp - template of `mnetsim report`: a metric against a numeric sweep
# parameter, the mean of each point with its 95% Student-t confidence
# interval as error bars, one line per combination of the other parameters
# (the policies). mnetsim report fills the fields between at-signs (strings already
# quoted for gnuplot) and runs gnuplot in DIR/plots; edit a copy and pass
# --templates DIR to change the look of every plot.
#   TITLE XLABEL YLABEL KEYTITLE  quoted strings
#   PNG SVG                           output files
#   PLOTS                               the plot list: one '...dat' index i per line
#   XLOG                                x axis settings: ticks at the swept values, and
#                                         "set logscale x" when they span a decade or more
set terminal pngcairo noenhanced size 1100,650 font "sans,12"
set output @PNG@
set title @TITLE@ font "sans,14"
set xlabel @XLABEL@
set ylabel @YLABEL@
set key outside right top box title @KEYTITLE@ spacing 1.2
set grid lc rgb "#dddddd"
set border 3
set tics nomirror
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
set yrange [*:*]
set format y "%.3g"
@XLOG@
set style line 1 lc rgb "#1b9e77" lw 2 pt 7 ps 1.1
set style line 2 lc rgb "#d95f02" lw 2 pt 5 ps 1.1
set style line 3 lc rgb "#7570b3" lw 2 pt 9 ps 1.3
set style line 4 lc rgb "#e7298a" lw 2 pt 11 ps 1.3
set style line 5 lc rgb "#66a61e" lw 2 pt 13 ps 1.3
set style line 6 lc rgb "#e6ab02" lw 2 pt 4 ps 1.1
set style line 7 lc rgb "#a6761d" lw 2 pt 6 ps 1.1
set style line 8 lc rgb "#666666" lw 2 pt 8 ps 1.1
plot @PLOTS@
set terminal svg noenhanced size 1100,650 font "sans,12" dynamic background rgb "white"
set output @SVG@
replot
