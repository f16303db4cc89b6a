package testsuite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

func Hello(ctx workflow.Context, name string) (string, error) { return "Hello " + name + "!", nil }

// runHello starts a worker on the dev server's client and runs Hello.
func runHello(t *testing.T, s *testsuite.DevServer, id string) string {
	t.Helper()
	w := worker.New(s.Client(), "hello", worker.Options{})
	w.RegisterWorkflow(Hello)
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx := context.Background()
	run, err := s.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "hello"}, Hello, "grainflow")
	require.NoError(t, err)
	var got string
	require.NoError(t, run.Get(ctx, &got))
	return got
}

func TestDevServerRunsWorkflowsAndCleansUp(t *testing.T) {
	s, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
		ClientOptions: &client.Options{Identity: "dev-test"}})
	require.NoError(t, err)
	require.Equal(t, "Hello grainflow!", runHello(t, s, "hello-1"))
	require.Empty(t, s.FrontendHostPort())
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "grainflow-devserver-*"))
	require.NoError(t, s.Stop())
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "grainflow-devserver-*"))
	require.Len(t, after, len(before)-1, "Stop leaves its temporary data directory behind")
}

func TestDevServerKeepsDBFilename(t *testing.T) {
	dir := t.TempDir()
	s, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{DBFilename: dir})
	require.NoError(t, err)
	runHello(t, s, "hello-kept")
	require.NoError(t, s.Stop())

	s, err = testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{DBFilename: dir})
	require.NoError(t, err)
	defer s.Stop()
	desc, err := s.Client().DescribeWorkflowExecution(context.Background(), "hello-kept", "")
	require.NoError(t, err)
	require.Equal(t, "WORKFLOW_STATUS_COMPLETED", desc.Meta.GetStatus().String())
}

func TestDevServerRefusesAnUnknownLogLevel(t *testing.T) {
	_, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{LogLevel: "loud"})
	require.ErrorContains(t, err, `unknown dev server log level "loud"`)
}
