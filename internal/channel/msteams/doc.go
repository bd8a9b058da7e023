// Package msteams is the Microsoft Teams channel: the Bot Framework webhook
// (its own listener or mounted on the gateway port), validation of the
// inbound JWT against Microsoft's OpenID keys, handling of activities
// (policy, pairing, de-duplication, one agent turn per message) and the
// Bot Connector client that sends the replies.
//
// It is not an HTTP router for the rest of the gateway and it does not know
// the OpenAI wire format; it only recognises misrouted OpenAI calls well
// enough to tell the caller where the API really is. Persistent state
// (pairing requests, approved senders, conversation references, the
// de-duplication window and the connector token) goes through small store
// interfaces, with file and in-memory implementations here.
package msteams
