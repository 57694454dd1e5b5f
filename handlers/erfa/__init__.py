"""The half-yearly ERFA meetings: settings, reminders, RSVPs, invites and ERFA across clients."""
