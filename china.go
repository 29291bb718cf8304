package fengqiao

import "time"

// China is the time the product lives in: deadlines, days, assessment
// periods and the times shown in notifications and sheets are Beijing's.
// China has kept UTC+8 without daylight saving since 1991, so a fixed zone
// needs no tz database on the server.
var China = time.FixedZone("CST", 8*3600)
