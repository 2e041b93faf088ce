/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A manual B2B order in four steps, from the order desk: general details, an
 * existing customer, two products picked at once from the catalogue, and the
 * payment with its proof uploaded; Confirm opens the confirmed order.
 */
registry.category("web_tour.tours").add("omni_manual_order_b2b_tour", {
    steps: () => [
        {
            content: "Open the manual order wizard from the order desk",
            trigger: ".o_control_panel button:contains('New Manual Order')",
            run: "click",
        },
        {
            content: "Step 1: general details, on the manual channel, B2B",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('General Details')",
        },
        {
            content: "The manual channel is proposed",
            trigger: ".modal div[name=channel_id] input:value(Tour phone desk)",
        },
        {
            trigger: ".modal div[name=client_order_ref] input",
            run: "edit PO-TOUR-77",
        },
        {
            trigger: ".modal button[name=action_next]",
            run: "click",
        },
        {
            content: "Step 2: the customer",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Customer')",
        },
        {
            trigger: ".modal div[name=partner_id] input",
            run: "edit Tour Trading",
        },
        {
            trigger: ".modal div[name=partner_id] .o-autocomplete--dropdown-menu li:contains('Tour Trading Sdn Bhd')",
            run: "click",
        },
        {
            trigger: ".modal div[name=partner_id] input:value(Tour Trading Sdn Bhd)",
        },
        {
            trigger: ".modal:not(:has(.o-autocomplete--dropdown-menu))",
        },
        {
            trigger: ".modal button[name=action_next]",
            run: "click",
        },
        {
            content: "Step 3: items, several products picked at once",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Items')",
        },
        {
            trigger: ".modal div[name=product_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_list_renderer .o_data_row:contains('Tour Mug') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".modal .o_list_renderer .o_data_row:contains('Tour Shirt') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".modal .o_list_renderer .o_data_row:contains('Tour Shirt') .o_list_record_selector input:checked",
        },
        {
            trigger: ".modal button.o_select_button",
            run: "click",
        },
        {
            content: "One item line per picked product",
            trigger: ".modal div[name=line_ids] .o_data_row:contains('Tour Shirt')",
        },
        {
            trigger: ".modal div[name=line_ids] .o_data_row:contains('Tour Mug') .o_data_cell[name=quantity]",
            run: "click",
        },
        {
            trigger: ".modal div[name=line_ids] .o_data_row:contains('Tour Mug') .o_data_cell[name=quantity] input",
            run: "edit 3",
        },
        {
            trigger: ".modal button[name=action_next]",
            run: "click",
        },
        {
            content: "Step 4: payment, with the proof",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Payment')",
        },
        {
            trigger: ".modal div[name=payment_reference] input",
            run: "edit TRX-TOUR-1",
        },
        {
            content: "Upload the payment proof",
            trigger: ".modal div[name=payment_proof] .o_select_file_button",
            run() {
                const input = document.querySelector(
                    ".modal div[name=payment_proof] input[type=file]"
                );
                const file = new File(["%PDF-1.4 transfer slip"], "transfer-slip.pdf", {
                    type: "application/pdf",
                });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", {bubbles: true}));
            },
        },
        {
            trigger: ".modal div[name=payment_proof] .o_clear_file_button",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The confirmed order opens",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Sales Order')",
        },
        {
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Channel')",
            run: "click",
        },
        {
            content: "The payment proof and the shipping details show on the order",
            trigger: ".o_form_view div[name=payment_proof] input:value(transfer-slip.pdf)",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
