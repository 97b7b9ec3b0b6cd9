/**
 * Labels become tags on the container group, and Azure tag names cannot hold
 * `< > % & \ ? /` (more than 512 characters, or a value over 256, is refused too, with
 * ARM's unhelpful "Invalid key in record"). Prefect's own labels are namespaced with a
 * slash (`prefect.io/flow-run-id`), so one rule translates that character and every other
 * forbidden one is an error naming the label:
 *
 *   `/` becomes `.`  —  `prefect.io/flow-run-id` → tag `prefect.io.flow-run-id`.
 *
 * The rule is not injective on its own (`a/b` and `a.b` meet), so two labels that land on
 * the same tag name are an error naming both, rather than one silently replacing the other.
 */
export const AZURE_TAG_NAME_MAX = 512;
export const AZURE_TAG_VALUE_MAX = 256;

/** What ARM refuses in a tag name besides the slash this module translates. */
const FORBIDDEN_IN_TAG_NAME = /[<>%&\\?]/;

export function tagNameForLabel(label: string): string {
  return label.replace(/\//g, '.');
}

export interface LabelIssue {
  label: string;
  message: string;
}

/** Every label that cannot become a tag, each with what to change. */
export function labelIssues(labels: Record<string, string>): LabelIssue[] {
  const issues: LabelIssue[] = [];
  const labelOfTag = new Map<string, string>();
  for (const [label, value] of Object.entries(labels)) {
    const forbidden = FORBIDDEN_IN_TAG_NAME.exec(label);
    if (label.length === 0) {
      issues.push({ label, message: 'a label name must not be empty: it becomes an Azure tag name' });
    } else if (forbidden) {
      issues.push({
        label,
        message: `holds "${forbidden[0]}", which Azure tag names cannot hold (none of < > % & \\ ?; "/" becomes "."); rename the label`,
      });
    } else if (label.length > AZURE_TAG_NAME_MAX) {
      issues.push({ label, message: `label name is ${label.length} characters; Azure tag names hold at most ${AZURE_TAG_NAME_MAX}` });
    }
    if (value.length > AZURE_TAG_VALUE_MAX) {
      issues.push({ label, message: `has a value of ${value.length} characters; Azure tag values hold at most ${AZURE_TAG_VALUE_MAX}` });
    }
    const tag = tagNameForLabel(label);
    // Azure tag names are case-insensitive: "Team" and "team" are the same tag.
    const key = tag.toLowerCase();
    const other = labelOfTag.get(key);
    if (other !== undefined) {
      issues.push({
        label,
        message: `labels "${other}" and "${label}" both become the Azure tag "${tag}" ("/" becomes ".", case is ignored); rename one`,
      });
    } else {
      labelOfTag.set(key, label);
    }
  }
  return issues;
}

/** The tags of a validated label map (labelIssues found nothing). */
export function tagsForLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([label, value]) => [tagNameForLabel(label), value]));
}
