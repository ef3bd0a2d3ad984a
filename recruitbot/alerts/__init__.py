"""Job alerts: consented sign-up, matching new vacancies, delivery at most once per person.

``service.AlertService`` is the API (built by ``factory.build_alert_service``); ``model``
holds its data and outcomes; ``criteria`` reads an alert's criteria as the catalogue reads a
search; ``matching`` and ``dispatch`` match new vacancies and deliver them through the
``notify`` notifiers; ``tokens`` signs the links that ``web`` serves; ``conversations`` erases
chat history from Rasa's tracker store; ``cli`` is the command line.
"""
