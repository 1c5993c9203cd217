"""Cases as mediation learns them: intake and bridge events that open and withdraw proceedings."""
