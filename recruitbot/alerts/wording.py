"""Every word the alerts send or show outside the chat: emails, proactive chat messages, web pages.

The chat's own replies live in domain.yml; these are the texts the delivery and the link pages
need, kept in one place so that they can be reviewed (and versioned) together. Placeholders
are ``str.format`` fields; the code that fills them escapes for HTML where it renders HTML.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    """The texts, with their defaults in UK English."""

    agency: str = "11 Recruitment"
    any_job: str = "any job"
    frequency_instant: str = "as soon as new jobs come in"
    frequency_daily: str = "once a day"
    delivery_email: str = "email"
    delivery_telegram: str = "Telegram"
    delivery_slack: str = "Slack"
    apply: str = "Apply"
    similar: str = "More like this"
    # Alert emails and chat messages.
    subject_instant: str = "New jobs for your alert: {criteria}"
    subject_daily: str = "Your daily job alert: {criteria}"
    intro: str = "{count} new vacancies match your job alert ({criteria}):"
    intro_one: str = "A new vacancy matches your job alert ({criteria}):"
    footer: str = (
        "You get these emails {frequency} because you signed up for job alerts from {agency} and "
        "confirmed it."
    )
    unsubscribe_text: str = "Unsubscribe from this alert"
    erase_text: str = "Erase everything we hold about you"
    chat_stop: str = "Stop this alert"
    # Double opt-in email.
    confirm_subject: str = "Please confirm your job alert"
    confirm_body: str = (
        "Hello,\n\nSomeone (we hope you) asked {agency} to email job alerts to this address: "
        "new vacancies for {criteria}, {frequency}.\n\nTo start them, confirm here:\n{link}\n\n"
        "If you did not ask, ignore this email: nothing will be sent, and the request expires on "
        "{expires}. Every alert email has a one-click unsubscribe link."
    )
    confirm_button: str = "Confirm my job alert"
    # Link pages.
    page_confirm_title: str = "Confirm your job alert"
    page_confirm_text: str = "Please confirm that you want job alerts for {criteria}, {frequency}, by {delivery}."
    page_confirmed_title: str = "Your job alert is on"
    page_confirmed_text: str = "We will send you new vacancies for {criteria}, {frequency}."
    page_already_confirmed_text: str = "This job alert was already confirmed."
    page_unsubscribe_title: str = "Unsubscribe from a job alert"
    page_unsubscribe_text: str = "Stop the job alert for {criteria}?"
    page_unsubscribe_button: str = "Unsubscribe"
    page_unsubscribed_title: str = "You are unsubscribed"
    page_unsubscribed_text: str = "You will get no more emails from this job alert."
    page_erase_title: str = "Erase your details"
    page_erase_text: str = (
        "This erases everything {agency} holds about you through this assistant: your job alerts, "
        "your consent records, what we sent you, your callback requests and your chat history."
    )
    page_erase_button: str = "Erase everything"
    page_erased_title: str = "Your details are erased"
    page_erased_text: str = "We no longer hold anything about you in the assistant."
    page_nothing_held_text: str = "We hold nothing about you any more."
    page_expired_title: str = "This link has expired"
    page_expired_text: str = "Links in our emails work for a limited time. Ask the assistant for a new one."
    page_invalid_title: str = "This link does not work"
    page_invalid_text: str = "Please use the link exactly as it appears in the email."
    page_gone_title: str = "This job alert no longer exists"
    page_gone_text: str = "It may have been deleted, or it expired before it was confirmed."

    def delivery_name(self, delivery: str) -> str:
        """How an alert is delivered, in words ("email", "Telegram", "Slack")."""
        names = {"email": self.delivery_email, "telegram": self.delivery_telegram, "slack": self.delivery_slack}
        return names.get(delivery, delivery)
