"""Reports for funders: anonymous figures per event that outlive personal data, and the report per Quartier and period."""
