BEGIN { FS = "," } NR > 1 { sum[$4] += $3; n[$4]++ } END { for (c in sum) printf "%s %d %.2f\n", c, n[c], sum[c] / n[c] }
