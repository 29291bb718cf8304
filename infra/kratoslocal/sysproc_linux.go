package kratoslocal

import "syscall"

// sysProcAttr makes the kernel stop Kratos if its parent dies without
// calling Stop (a test binary killed by its timeout, say), so no orphan
// keeps running on a random port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
