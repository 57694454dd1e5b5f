"""Calendar invites as .ics files (RFC 5545/5546) that Outlook and Google Calendar import right."""
