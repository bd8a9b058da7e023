package cli

import "github.com/spf13/cobra"

// commands lists the top-level commands. Each lives in its own file.
func commands(a *App) []*cobra.Command {
	return []*cobra.Command{
		newGatewayCmd(a),
		newConfigCmd(a),
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
