"""The identity context: organisations, their workspaces (product teams) and memberships."""
