"""Review of mediation agreements by the commission (仲裁审查确认): requested within 15 days of the
agreement taking effect (劳动人事争议仲裁办案规则 第74条); confirmed with a 仲裁调解书, or refused."""
