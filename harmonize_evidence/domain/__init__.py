"""Pure domain: incidents, exhibits, custody entries and rules. No Qt, no I/O."""
