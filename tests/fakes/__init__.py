"""Local fake servers that speak the platforms' real HTTP APIs, so the real client libraries run."""
