s/a/A/g
/^b/d
3q
