"""Statistics the centres report (DOMAIN.md §7), each figure a drill-down into its cases."""
