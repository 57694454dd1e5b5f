"""The half-yearly ERFA meetings: settings, reminder planning, RSVPs, network rules and calendar warnings."""
