"""Calculators for mediators (N/2N, double wage, overtime, annual leave, final award)."""
