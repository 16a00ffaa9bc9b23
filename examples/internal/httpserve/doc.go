// Package httpserve holds what the small example programs share that is not
// about gocred: serving HTTP until the program is told to stop.
package httpserve
