"""Operating Doorstroom: automations, limits and block types, set up by one command."""
