// Package frontend embeds the built web app.
package frontend

import "embed"

//go:embed all:dist
var Dist embed.FS
