# tools/ld-static.awk - the linker's messages for build/ptdump, less
# glibc's warnings that a static program calling its name lookups
# (getaddrinfo, getpwnam, ...) needs the same glibc at run time: that
# is known and documented (./configure --help, --disable-static).  Each
# such warning and the "in function" line naming its caller are dropped;
# every other line is printed as it came.
/: in function `.*':$/ {
	if (held != "")
		print held
	held = $0
	next
}
/: warning: Using '[A-Za-z_0-9]*' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking$/ {
	held = ""
	next
}
{
	if (held != "")
		print held
	held = ""
	print
}
END {
	if (held != "")
		print held
}
