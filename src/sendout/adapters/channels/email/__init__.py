"""Email: the SMTP client through the guard, the email channel, the alert mailer."""
