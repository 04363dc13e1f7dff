"""Views, one module per area: patients, assessments, VISA-H."""

from assessments.views.assessments import (
    assessment_amend,
    assessment_autosave,
    assessment_autosave_new,
    assessment_create,
    assessment_detail,
    assessment_discard,
    assessment_edit,
    assessment_panel,
    assessment_reevaluate,
    assessment_sign,
)
from assessments.views.duplicates import (
    patient_duplicates,
    patient_merge,
    patient_not_duplicate,
    patient_not_duplicate_undo,
)
from assessments.views.imports import (
    patient_import,
    patient_import_cancel,
    patient_import_commit,
    patient_import_detail,
    patient_import_progress,
    patient_import_report,
    patient_import_template,
)
from assessments.views.patients import (
    patient_archive,
    patient_create,
    patient_detail,
    patient_edit,
    patient_list,
    patient_restore,
)
from assessments.views.visa_h import visa_h_create, visa_h_detail

__all__ = [
    "assessment_amend",
    "assessment_autosave",
    "assessment_autosave_new",
    "assessment_create",
    "assessment_discard",
    "assessment_detail",
    "assessment_edit",
    "assessment_panel",
    "assessment_reevaluate",
    "assessment_sign",
    "patient_archive",
    "patient_create",
    "patient_detail",
    "patient_duplicates",
    "patient_merge",
    "patient_not_duplicate",
    "patient_not_duplicate_undo",
    "patient_edit",
    "patient_import",
    "patient_import_cancel",
    "patient_import_commit",
    "patient_import_detail",
    "patient_import_progress",
    "patient_import_report",
    "patient_import_template",
    "patient_list",
    "patient_restore",
    "visa_h_create",
    "visa_h_detail",
]
