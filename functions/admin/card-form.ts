import {
  type CounterProofingInput,
  type ProofingRefusedError,
  readProofingForm,
} from '../../libs/identity/index.ts';
import type { FieldError, Lang } from '../../libs/web/index.ts';
import { cw } from './words.ts';

/** The ids of an ID-card form's fields on its page (a page may hold more than one). */
export interface CardFormIds {
  readonly name: string;
  readonly number: string;
  readonly confirm: string;
}

/**
 * The form a member of staff fills in with a resident ID card in front of them — the name and
 * number on the card, and that they checked it in person — read as the identity officer's counter
 * and the help desk's re-check both need it: the card's input, or each field's problem.
 */
export const readCardForm = (
  lang: Lang,
  values: URLSearchParams,
  ids: CardFormIds,
):
  | { readonly input: CounterProofingInput; readonly errors?: undefined }
  | { readonly errors: FieldError[] } => {
  const read = readProofingForm(
    {
      name: (values.get('cardName') ?? '').slice(0, 200),
      residentId: (values.get('cardNumber') ?? '').slice(0, 100),
    },
    { phone: false },
  );
  const errors: FieldError[] = read.ok
    ? []
    : read.problems.map((problem) =>
        problem.field === 'name'
          ? { field: ids.name, message: cw(lang, 'counter_errName') }
          : { field: ids.number, message: cw(lang, 'counter_errNumber') },
      );
  if (values.get('confirm') !== 'yes')
    errors.push({ field: ids.confirm, message: cw(lang, 'counter_confirmMissing') });
  return read.ok && !errors.length ? { input: read.input } : { errors };
};

/** The registry did not recognise the card: said on the field the member of staff should check. */
export const cardRefusal = (lang: Lang, err: ProofingRefusedError, ids: CardFormIds): FieldError => ({
  field: err.reason === 'record-closed' ? ids.number : ids.name,
  message: cw(lang, err.reason === 'record-closed' ? 'counter_refusedClosed' : 'counter_refusedIdentity'),
});
