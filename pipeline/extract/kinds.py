"""Which table a grid is: a project's targets, a department's, or a self-evaluation of either.

The title says it when there is one (项目支出绩效目标表, 部门整体支出绩效目标表, 项目支出绩效自评表 …);
otherwise the grid's own columns (实际完成值, 得分 → an evaluation) and its info block (部门职责,
部门编码 and no 项目名称 → a department) decide.
"""

from __future__ import annotations

from pipeline.extract.vocabulary import label_of
from pipeline.model import DEPARTMENT_EVALUATION, DEPARTMENT_TARGET, PROJECT_EVALUATION, PROJECT_TARGET

_DEPARTMENT_WORDS = ("整体",)
_DEPARTMENT_LABELS = (
    "部门职责",
    "单位职责",
    "部门(单位)职责",
    "部门编码",
    "部门(单位)名称",
    "部门名称",
    "主要职责",
)


def table_kind(title: str, keys: frozenset[str], info: dict[str, str], has_project: bool) -> str:
    """One of the four table kinds for a grid with these column keys under this title and info."""
    folded = label_of(title)
    evaluation = "自评" in folded or "评价表" in folded or bool(keys & {"actual", "score"})
    department = any(w in folded for w in _DEPARTMENT_WORDS) or (
        not has_project and any(label_of(k).lstrip("*") in _DEPARTMENT_LABELS for k in info)
    )
    if department:
        return DEPARTMENT_EVALUATION if evaluation else DEPARTMENT_TARGET
    return PROJECT_EVALUATION if evaluation else PROJECT_TARGET


def is_title(line: str) -> bool:
    """A table title: names a 绩效 table (目标表, 申报表, 批复表, 自评表 …)."""
    folded = label_of(line)
    return "表" in folded and ("绩效" in folded or "自评" in folded) and len(folded) <= 60
