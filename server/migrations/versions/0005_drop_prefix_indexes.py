"""drop the single-column indexes that a composite index already starts with

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

status, birth_date and area each lead one of 0003's indexes, which answers the same
lookups; the single ones only cost every new application three more index writes.
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_applications_status', table_name='applications')
    op.drop_index('ix_applications_birth_date', table_name='applications')
    op.drop_index('ix_applications_area', table_name='applications')


def downgrade() -> None:
    op.create_index('ix_applications_area', 'applications', ['area'])
    op.create_index('ix_applications_birth_date', 'applications', ['birth_date'])
    op.create_index('ix_applications_status', 'applications', ['status'])
