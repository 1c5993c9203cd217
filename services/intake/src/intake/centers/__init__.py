"""Centres (劳动纠纷一站式治理中心): who registers cases, and how their case numbers look."""
