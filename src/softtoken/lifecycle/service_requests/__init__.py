"""Service requests (manual chapter 7): the form, the officer's review with dual control,
and the seven outcomes with their emails.

``machine`` holds the request's states and transition table; ``_form`` and
``_purposes`` the form and its check boxes; ``_store`` the table; ``_service`` the calls
a portal and an officer make; ``_effects`` what each outcome does.
"""

from softtoken.lifecycle.service_requests._form import (
    ServiceRequestForm,
    ServiceRequestFormInvalid,
)
from softtoken.lifecycle.service_requests._purposes import Purpose, PurposeGroup
from softtoken.lifecycle.service_requests._service import ServiceRequestService
from softtoken.lifecycle.service_requests.machine import RequestState, ServiceRequest

__all__ = [
    "Purpose",
    "PurposeGroup",
    "RequestState",
    "ServiceRequest",
    "ServiceRequestForm",
    "ServiceRequestFormInvalid",
    "ServiceRequestService",
]
