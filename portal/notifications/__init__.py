"""Notifications: in-app list and bell, e-mail copies per preference, daily reminders."""
