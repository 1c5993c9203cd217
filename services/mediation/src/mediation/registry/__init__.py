"""The mediator registry: organisations, mediators, leave, declared conflicts, audit."""
