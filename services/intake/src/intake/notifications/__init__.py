"""Staff notifications (通知中心): red alerts, assignments, hand-offs, clocks at risk, overdue payments."""
