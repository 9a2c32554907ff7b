"""What a running bot is made of: settings, the services handed to listeners, logging, and
how operational failures are told apart."""
