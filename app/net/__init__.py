"""Traffic the service itself starts towards other hosts, and the one guard it all passes through."""
