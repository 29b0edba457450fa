"""The community directory, modelled on Open Referral HSDS 3.0 (docs/decisions/0004-directory-hsds.md).

Field names are HSDS's own (a foreign key `organization` is HSDS's `organization_id`), so import,
export and the /hsds/ API map rows to HSDS objects without a hand-written list per table
(directory.hsds.TABLES). Every HSDS object has a UUID id, as HSDS requires. Fields HSDS does not have
(the owning hub, sharing, referral mode, capacity, the search text) are marked "local".
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from core.models import Hub


class HsdsModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.id}"


def _fk(to, related_name, *, null=True):
    return models.ForeignKey(
        to,
        null=null,
        blank=null,
        on_delete=models.CASCADE if not null else models.SET_NULL,
        related_name=related_name,
    )


class Taxonomy(HsdsModel):
    """A vocabulary of terms (installation-wide: every hub's records may use it)."""

    name = models.TextField()
    description = models.TextField()
    uri = models.TextField(blank=True)
    version = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsModel):
    """A category; terms nest through `parent` ("Physical activity" under "Wellbeing")."""

    code = models.TextField(blank=True)
    name = models.TextField()
    description = models.TextField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # HSDS has both `taxonomy` (a free-text name) and `taxonomy_id` (the Taxonomy row).
    taxonomy = models.TextField(blank=True)
    taxonomy_detail = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.SET_NULL, related_name="terms"
    )
    language = models.TextField(blank=True)
    term_uri = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Organization(HsdsModel):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="directory_organizations")  # local
    name = models.TextField()
    alternate_name = models.TextField(blank=True)
    description = models.TextField()
    email = models.TextField(blank=True)
    website = models.TextField(blank=True)
    tax_status = models.TextField(blank=True)
    tax_id = models.TextField(blank=True)
    year_incorporated = models.FloatField(null=True, blank=True)
    legal_status = models.TextField(blank=True)
    logo = models.TextField(blank=True)
    uri = models.TextField(blank=True)
    parent_organization = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Program(HsdsModel):
    organization = _fk(Organization, "programs")
    name = models.TextField()
    alternate_name = models.TextField(blank=True)
    description = models.TextField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(HsdsModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Running"
        INACTIVE = "inactive", "Not running at the moment"
        DEFUNCT = "defunct", "Retired"
        TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"

    class ReferralMode(models.TextChoices):
        REFERRAL = "referral", "Takes referrals directly"
        SIGNPOST = "signpost", "Signpost only: people contact the service themselves"

    # Local. No index of its own: service_hub_assured (hub, assured_date) serves lookups by hub, and
    # each index is one more to maintain on every write and to rebuild after a bulk import.
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="directory_services", db_index=False)
    # Local: other hubs that may list and refer to this service; only the owning hub edits it.
    shared_with = models.ManyToManyField(Hub, blank=True, related_name="shared_directory_services")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    name = models.TextField()
    alternate_name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    url = models.TextField(blank=True)
    email = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.TextField(blank=True)
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.FloatField(null=True, blank=True)
    maximum_age = models.FloatField(null=True, blank=True)
    # "Last checked on": staff confirm the record is still right (the six-month list).
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.TextField(blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(default=timezone.now)
    referral_mode = models.CharField(  # local
        max_length=10, choices=ReferralMode.choices, default=ReferralMode.SIGNPOST
    )
    capacity = models.PositiveIntegerField(null=True, blank=True)  # local: places in all
    spaces_left = models.PositiveIntegerField(null=True, blank=True)  # local: places free now
    # Local: name, description, organisation and category names in one text, kept by the services
    # that write, so one indexed column answers free-text search (a GIN index on PostgreSQL).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # A hub's own list and the "not checked for six months" list.
            models.Index(fields=["hub", "assured_date"], name="service_hub_assured"),
            # HSDS modified_after feeds and the default order of the API.
            models.Index(fields=["last_modified"], name="service_last_modified"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.status == self.Status.DEFUNCT


class Location(HsdsModel):
    class LocationType(models.TextChoices):
        PHYSICAL = "physical", "A place people go to"
        POSTAL = "postal", "A postal address"
        VIRTUAL = "virtual", "Online or by phone"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="directory_locations")  # local
    location_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    url = models.TextField(blank=True)
    organization = _fk(Organization, "locations")
    name = models.TextField(blank=True)
    alternate_name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.TextField(blank=True)
    external_identifier_type = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # Distance search narrows to a latitude band first, then longitude (directory.geo).
            models.Index(fields=["latitude", "longitude"], name="location_lat_long"),
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(HsdsModel):
    service = _fk(Service, "service_at_locations", null=False)
    location = _fk(Location, "service_at_locations", null=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Address(HsdsModel):
    class AddressType(models.TextChoices):
        PHYSICAL = "physical", "Physical"
        POSTAL = "postal", "Postal"
        VIRTUAL = "virtual", "Virtual"

    location = _fk(Location, "addresses", null=False)
    attention = models.TextField(blank=True)
    address_1 = models.TextField()
    address_2 = models.TextField(blank=True)
    city = models.TextField()
    region = models.TextField(blank=True)
    state_province = models.TextField()
    postal_code = models.TextField()
    country = models.TextField()
    address_type = models.CharField(max_length=10, choices=AddressType.choices, default=AddressType.PHYSICAL)

    class Meta:
        ordering = ["id"]


class Contact(HsdsModel):
    organization = _fk(Organization, "contacts")
    service = _fk(Service, "contacts")
    service_at_location = _fk(ServiceAtLocation, "contacts")
    location = _fk(Location, "contacts")
    name = models.TextField(blank=True)
    title = models.TextField(blank=True)
    department = models.TextField(blank=True)
    email = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Phone(HsdsModel):
    location = _fk(Location, "phones")
    service = _fk(Service, "phones")
    organization = _fk(Organization, "phones")
    contact = _fk(Contact, "phones")
    service_at_location = _fk(ServiceAtLocation, "phones")
    number = models.TextField()
    extension = models.FloatField(null=True, blank=True)
    type = models.TextField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Schedule(HsdsModel):
    """Opening times or recurring sessions, in HSDS's iCalendar-like terms (freq, byday, opens_at)."""

    service = _fk(Service, "schedules")
    location = _fk(Location, "schedules")
    service_at_location = _fk(ServiceAtLocation, "schedules")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.TextField(blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.TextField(blank=True)
    count = models.FloatField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.FloatField(null=True, blank=True)
    byday = models.TextField(blank=True)
    byweekno = models.TextField(blank=True)
    bymonthday = models.TextField(blank=True)
    byyearday = models.TextField(blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.TextField(blank=True)
    attending_type = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class ServiceArea(HsdsModel):
    service = _fk(Service, "service_areas", null=False)
    name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.TextField(blank=True)
    uri = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class CostOption(HsdsModel):
    service = _fk(Service, "cost_options", null=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.TextField(blank=True)
    currency = models.TextField(blank=True)
    amount = models.FloatField(null=True, blank=True)
    amount_description = models.TextField(blank=True)

    class Meta:
        ordering = ["amount", "id"]


class Language(HsdsModel):
    service = _fk(Service, "languages")
    location = _fk(Location, "languages")
    phone = _fk(Phone, "languages")
    name = models.TextField(blank=True)
    code = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Accessibility(HsdsModel):
    location = _fk(Location, "accessibility", null=False)
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    url = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Funding(HsdsModel):
    organization = _fk(Organization, "funding")
    service = _fk(Service, "funding")
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class RequiredDocument(HsdsModel):
    service = _fk(Service, "required_documents", null=False)
    document = models.TextField(blank=True)
    uri = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class OrganizationIdentifier(HsdsModel):
    organization = _fk(Organization, "organization_identifiers", null=False)
    identifier_scheme = models.TextField(blank=True)
    identifier_type = models.TextField()
    identifier = models.TextField()

    class Meta:
        ordering = ["id"]


class Attribute(HsdsModel):
    """A taxonomy term attached to any HSDS object (`link_id`); a service's categories are these."""

    link_id = models.UUIDField(null=True, blank=True)
    # No index of its own: attribute_term_link (taxonomy_term, link_id) serves lookups by term.
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes", db_index=False
    )
    link_type = models.TextField(blank=True)
    link_entity = models.TextField(blank=True)
    value = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Category search: services carrying a term; and the attributes of the objects on a page.
            models.Index(fields=["taxonomy_term", "link_id"], name="attribute_term_link"),
            models.Index(fields=["link_id"], name="attribute_link"),
        ]


class Metadata(HsdsModel):
    """Who changed what, when (HSDS metadata); the directory services write one row per change."""

    resource_id = models.UUIDField(null=True, blank=True)
    resource_type = models.TextField(blank=True)
    last_action_date = models.TextField()
    last_action_type = models.TextField()
    field_name = models.TextField()
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    updated_by = models.TextField()

    class Meta:
        ordering = ["last_action_date", "id"]
        indexes = [
            # The metadata of the objects on a page, fetched in one query.
            models.Index(fields=["resource_id"], name="metadata_resource"),
        ]


class MetaTableDescription(HsdsModel):
    name = models.TextField(blank=True)
    language = models.TextField(blank=True)
    character_set = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class Postcode(models.Model):
    """A postcode's centre, from the ONS Postcode Directory (manage.py import_postcodes).

    Stored without spaces in upper case ("RV11AA") so lookups ignore how people type it. Districts
    ("RV1") have rows too: a full postcode we do not know falls back to its district's centre.
    """

    code = models.CharField(max_length=8, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
