"""The centre's agreements as the court bridge knows them (from mediation's events), and the court
that may hear an application on each (CPL 205's jurisdiction over the partner registry)."""
