package cli

import (
	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/cli/core"
)

// commands lists the top-level commands. Each lives in its own file.
func commands(a *App) []*cobra.Command {
	return []*cobra.Command{
		newGatewayCmd(a),
		core.NewConfigCmd(a),
		newAgentCmd(a),
		newSessionsCmd(a),
		newChannelsCmd(a),
		newPairingCmd(a),
		newDoctorCmd(a),
		newSecurityCmd(a),
		newModelsCmd(a),
		newStatusCmd(a),
	}
}
