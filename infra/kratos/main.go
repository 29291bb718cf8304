// Command kratos is Ory Kratos v1.3.1, built from its module so that the
// project needs no prebuilt binary download.
package main

import (
	"os"

	"github.com/ory/kratos/cmd"
)

func main() {
	os.Exit(cmd.Execute())
}
