package cli

import "github.com/spf13/cobra"

// gatewayExtraCommands are the `gateway` subcommands that inspect a running
// gateway (status, health, probe).
func gatewayExtraCommands(a *App) []*cobra.Command {
	return nil
}
