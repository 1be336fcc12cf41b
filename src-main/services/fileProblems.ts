/** The flags an image gets when its file is gone or is no longer the file that was added. */
export const MISSING_FILE_PROBLEM = 'file not found';
export const CHANGED_FILE_PROBLEM = 'the file changed since it was added (other content)';

/** Problems of the file itself, which clear when the file is back as it was; others come from decoding. */
export function isFileProblem(problem: string | null): boolean {
  return problem === MISSING_FILE_PROBLEM || problem === CHANGED_FILE_PROBLEM;
}
