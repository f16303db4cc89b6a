// Package journalpb holds the generated protobuf types of the journal: the
// events of a workflow run's history and the metadata kept per workflow.
package journalpb

//go:generate go run github.com/bufbuild/buf/cmd/buf@v1.75.0 generate
