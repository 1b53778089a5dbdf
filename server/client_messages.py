"""UI strings the browser needs offline, translated on the server and embedded in the page."""

from __future__ import annotations

from .i18n import gettext_for
from .validation import fallback_messages


def client_messages(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {
        # generic validation messages; %(label)s and %(limit)s are filled in by the browser
        **fallback_messages(lang),
        # the outbox panel
        "savedTitle": _("Your application is saved on this phone"),
        "savedBody": _("It will be sent automatically as soon as you have signal. You can close this page: it will be sent the next time you open it."),
        "waiting": _("Waiting to be sent: %(count)s"),
        "sendNow": _("Send now"),
        "sending": _("Sending…"),
        "lastTry": _("Last try at %(time)s: %(reason)s"),
        "offline": _("no connection"),
        "serverBusy": _("the server was busy, we will try again"),
        "receivedTitle": _("Application received"),
        "receiptIntro": _("Your receipt code is"),
        "receiptHelp": _("Write this code down or take a screenshot. You will need it, with your date of birth, to check your application."),
        "receivedAt": _("Received %(time)s"),
        "checkStatus": _("Check your application"),
        "attentionTitle": _("Your application needs attention"),
        "attentionBody": _("The program could not accept it yet. Fix the answers below and send it again. Nothing has been lost."),
        "fix": _("Fix and send again"),
        "withdrawnBody": _("This application was withdrawn or deleted, so it was not sent again."),
        "conflictBody": _("The program already has a different version of this application. Contact the program if you need to change your answers."),
        "signInBody": _("Someone from the program needs to sign in on this device before it can send."),
        "startAnother": _("Start another application"),
        "saved": _("Saved on this device"),
        "stepCount": _("Step %(number)s of %(total)s"),
        "resumeAt": _("You were at: %(step)s"),
        "change": _("Change"),
        "changeWhat": _("your answer to “%(label)s”"),
        "notAnswered": _("Not answered"),
        "yes": _("Yes"),
        "no": _("No"),
        "storageFailed": _("This browser could not save your answers on this device. Keep this page open until you have sent your application."),
    }
