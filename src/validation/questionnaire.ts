// QuestionnaireResponse checked against its Questionnaire (questionnaireresponse.html, questionnaire.html).
import type { Context } from './engine';

export function checkQuestionnaireResponse(_ctx: Context, _qr: Record<string, unknown>, _path: string): void {
  // filled in below
}
