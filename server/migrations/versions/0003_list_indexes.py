"""indexes for the staff list's common filters in their default order

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_applications_status_received', 'applications', ['status', 'received_at', 'id'])
    op.create_index('ix_applications_birth_received', 'applications', ['birth_date', 'received_at', 'id'])
    op.create_index('ix_applications_area_status', 'applications', ['area', 'status'])


def downgrade() -> None:
    op.drop_index('ix_applications_area_status', table_name='applications')
    op.drop_index('ix_applications_birth_received', table_name='applications')
    op.drop_index('ix_applications_status_received', table_name='applications')
