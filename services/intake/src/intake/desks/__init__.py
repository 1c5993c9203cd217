"""Agency desks (分步处置): hand-offs to the departments in the centre (DOMAIN.md §10)."""
