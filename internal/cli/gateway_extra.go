package cli

import "github.com/spf13/cobra"

// gatewayExtraCommands are the `gateway` subcommands that inspect a running
// gateway (probe, status, health).
func gatewayExtraCommands(a *App) []*cobra.Command {
	return gatewayDiagCommands(a)
}
