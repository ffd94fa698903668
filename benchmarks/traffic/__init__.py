"""Traffic: the load generator (`cebsim generate`) and the replay tool (`cebsim replay`)."""
