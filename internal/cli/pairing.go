package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
	"github.com/openclaw/openclaw-go/internal/config"
)

// pairingChannels names the channels with DM pairing.
const pairingChannels = "msteams"

func newPairingCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pairing",
		Short: "List and approve chat users waiting to pair with the gateway",
		Long: `With dmPolicy "pairing", a chat user the gateway does not know gets a
one-time pairing code instead of an answer. The owner approves the code here;
the user's next message is answered. Codes expire after an hour.

State lives in the state directory (<stateDir>/credentials/<channel>-pairing.json
and <channel>-allowFrom.json); the running gateway picks up approvals at once.`,
		Example: `  openclaw pairing list msteams
  openclaw pairing approve msteams K7QW3XPA`,
	}
	cmd.AddCommand(newPairingListCmd(a), newPairingApproveCmd(a))
	return cmd
}

func pairingStore(a *App, channel string) (*msteams.FilePairingStore, error) {
	if channel != "msteams" {
		return nil, Usage("unknown channel %q: pairing is available for %s", channel, pairingChannels)
	}
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return nil, Fail("%v", err)
	}
	return msteams.NewFilePairingStore(paths.StateDir, nil), nil
}

func newPairingListCmd(a *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list <channel>",
		Example: "  openclaw pairing list msteams\n  openclaw pairing list msteams --json",
		Short:   "List pending pairing requests",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := pairingStore(a, args[0])
			if err != nil {
				return err
			}
			reqs, err := store.Pending(cmd.Context())
			if err != nil {
				return Fail("read pairing requests: %v", err)
			}
			if asJSON {
				if reqs == nil {
					reqs = []msteams.PairingRequest{}
				}
				return printJSON(a.Stdout, reqs)
			}
			if len(reqs) == 0 {
				fmt.Fprintf(a.Stdout, "No pending %s pairing requests.\n", args[0])
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tSENDER\tNAME\tREQUESTED\tEXPIRES IN")
			now := time.Now()
			for _, r := range reqs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Code, r.SenderID, orDash(r.Name),
					r.CreatedAt.Local().Format("2006-01-02 15:04"), r.ExpiresAt.Sub(now).Round(time.Minute))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "\nApprove with: openclaw pairing approve %s <code>\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newPairingApproveCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:     "approve <channel> <code>",
		Example: "  openclaw pairing approve msteams K7Q2M9XA",
		Short:   "Approve a pending pairing code",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := pairingStore(a, args[0])
			if err != nil {
				return err
			}
			req, err := store.Approve(cmd.Context(), args[1])
			if errors.Is(err, msteams.ErrPairingNotFound) {
				return Fail("no pending %s pairing request with code %q (expired or mistyped); `openclaw pairing list %s` shows the pending ones", args[0], args[1], args[0])
			}
			if err != nil {
				return Fail("approve: %v", err)
			}
			who := req.SenderID
			if req.Name != "" {
				who = req.Name + " (" + req.SenderID + ")"
			}
			fmt.Fprintf(a.Stdout, "Approved %s on %s. Their next message will be answered.\n", who, args[0])
			return nil
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
