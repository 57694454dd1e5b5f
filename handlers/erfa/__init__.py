"""The half-yearly ERFA meetings: settings, planning, RSVPs, network rules, calendar warnings and the use cases."""
